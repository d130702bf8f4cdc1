"""Developer tools that generate the bundled data (data_raw/): not part of the installed `sto` package."""
