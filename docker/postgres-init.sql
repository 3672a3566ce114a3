-- The role the app uses: may create databases (tests), never superuser, never BYPASSRLS.
CREATE ROLE iop LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS PASSWORD 'iop';
CREATE DATABASE iop OWNER iop;
