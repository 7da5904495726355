/**
 * The BullMQ queue gateways add call-record batches to and the portal's worker consumes (ADR 0012). Both
 * ends import it from here, as neither app depends on the other.
 */
export const callRecordQueueName = 'tollgate-call-records';
