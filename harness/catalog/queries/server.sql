-- Which server and database the snapshot describes.
select
  pg_catalog.current_setting('server_version_num')::pg_catalog.int4 as server_version_num,
  pg_catalog.current_database() as database;
