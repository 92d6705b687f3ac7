"""The review screen: clerks go through the flagged nominations and decide.

``app.create_app(db_url)`` builds the FastAPI app (server-rendered Jinja2
pages, no front-end build), ``app.serve(db, host, port)`` runs it with
uvicorn; ``users`` manages the accounts, ``security`` holds the password
hashing, the signed session cookie and the CSRF tokens, ``review`` turns a
batch's results and the stored decisions into what the pages show.
"""
