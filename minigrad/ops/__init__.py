"""The ops, one file per family; each op is a `Function` with forward and backward together."""
