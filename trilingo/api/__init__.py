"""The Trilingo server: `trilingo api` serves the operations of trilingo.service over HTTP to people who
hold personal tokens, so that nobody but the server holds the database's password."""
