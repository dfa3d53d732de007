"""PostgreSQL for the database endpoints: a private cluster per run, its data, and the
statement counts that show an endpoint did the work the contract asks of it."""
