CREATE TABLE t (a TEXT);
/* the rest is a comment;
DROP TABLE registration;
