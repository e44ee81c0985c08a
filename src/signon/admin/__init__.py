"""The admin API's core: request bodies, the admin token, views of records, state transfer."""
