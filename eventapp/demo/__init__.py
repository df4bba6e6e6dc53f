"""The demo forum: the 2023 Beijing China-Germany forum as data (`data`), and loading it and
plausible fake delegates for demos and benchmarks (`forum`)."""
