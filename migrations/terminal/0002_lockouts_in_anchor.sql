-- PIN lock-outs live in the chain anchor beside the device key now (core/integrity/anchor.ts), where editing the database cannot lift them.
DROP TABLE `crew_lockouts`;