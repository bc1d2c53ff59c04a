import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/**
 * How a DynamoDB client reaches a store that lives in this very process (the local runtime's
 * embedded store): its request handler and signer, in place of a socket and SigV4. On AWS nothing is
 * registered, so every client goes over the network as usual; a client pointed at another endpoint
 * (a recording proxy in tests, the bench's capacity meter) does too.
 */
export type InProcessTransport = Required<Pick<DynamoDBClientConfig, 'requestHandler' | 'signer'>>;

const transports = new Map<string, InProcessTransport>();

/** Makes `endpoint` reachable in-process until the returned function is called. */
export function registerInProcessEndpoint(endpoint: string, transport: InProcessTransport): () => void {
  transports.set(endpoint, transport);
  return () => {
    if (transports.get(endpoint) === transport) transports.delete(endpoint);
  };
}

/** The in-process transport of `endpoint`, if a store of this process serves it. */
export function inProcessTransport(endpoint: string | undefined): InProcessTransport | undefined {
  return endpoint === undefined ? undefined : transports.get(endpoint);
}
