-- core.offer_rules: the two offer rules of the coverage domain, one row each, named by every coverage table
-- that states which rule it used (offer_rule):
--   default  the SEOR rule: n_bovenbouw >= $min_offered (monitoring.yaml profile_offer.min_pupils_offered),
--            comparable with SEOR table 5.1/5.2 (rule id $default_id, coverage.yaml offer_rules.default);
--   strict   the sensitivity: also an intake (first bovenbouw leerjaar) n_leerjaar3 >= $min_intake
--            (coverage.yaml offer_rules.strict, rule id $strict_id).
-- Inputs: none (configuration only).
-- Parameters: $min_offered, $min_intake, $default_id, $strict_id.
CREATE OR REPLACE TABLE core.offer_rules AS
SELECT * FROM (VALUES
    ('default', $default_id::VARCHAR, $min_offered::INTEGER, 0,
     format('{}: n_bovenbouw >= {} (SEOR table 5.1 rule)', $default_id::VARCHAR, $min_offered::INTEGER)),
    ('strict', $strict_id::VARCHAR, $min_offered::INTEGER, $min_intake::INTEGER,
     format('{}: n_bovenbouw >= {} and leerjaar-3 intake n_leerjaar3 >= {}', $strict_id::VARCHAR,
            $min_offered::INTEGER, $min_intake::INTEGER))
) t(offer_rule, rule_id, min_bovenbouw, min_intake, definition);
