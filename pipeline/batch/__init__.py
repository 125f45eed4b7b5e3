"""`hotline run`: the nightly batch, its inbox handling, its helper processes and its report."""
