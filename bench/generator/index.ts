/** The synthetic org generator shared by the benchmarks and the demo workspace (docs/benchmarks.md). */
export { generateEvents, buildOrg, type GeneratedEvent } from './generate';
export { MODELS, REGRESSION, type GeneratorOptions, type Org, type Scale } from './org';
export { httpDeliveryOf, rawEventRowOf, DEMO_HOOK_ID, type DeliveryTargets, type HttpDelivery, type RawEventRow } from './deliveries';
export { writeRawEvents, BULK_BATCH_ROWS, type BulkOptions, type QueryRows } from './bulk-writer';
export { sendEvents, type SendOptions, type SendReport } from './http-sender';
