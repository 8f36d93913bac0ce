CREATE TABLE t (a TEXT);
INSERT INTO t VALUES ('it''s never closed);
DROP TABLE registration;
