import { runPassengerLoadBench } from "./passenger-load.bench.js";

await runPassengerLoadBench();
process.exit(0);
