-- One server, two databases: Temporal's persistence and acvloop's data.
CREATE DATABASE acvloop;
