"""Account data in a SQL database through SQLAlchemy: the AccountDirectory adapter and its schema."""
