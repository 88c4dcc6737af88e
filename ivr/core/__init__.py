"""The domain's values and rules: money and dates, the PIN and sign-in policies, the records the account data gives. Standard library only."""
