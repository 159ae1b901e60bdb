DROP TABLE live_sockets;
DROP TABLE live_instances;
