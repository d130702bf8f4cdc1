"""Coverage: technical vmbo within reach of every pupil (STO "dekkend" and "duurzaam", issue 18).

This branch (cov-nearby) holds the nearby-small-offer part (assets/coverage/nearby.py); the core of the
domain (offer, distances, coverage per region) comes with branch cov-core."""
