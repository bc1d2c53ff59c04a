/**
 * A fake AWS Secrets Manager (JSON 1.1 wire protocol): `GetSecretValue` answers the secrets it was
 * given, by ARN; every call is counted, so tests can see the key is read once per container.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSecretsManager {
  readonly url: string;
  readonly reads: string[];
  close(): Promise<void>;
}

export async function startFakeSecretsManager(secrets: Record<string, string>): Promise<FakeSecretsManager> {
  const reads: string[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const { SecretId } = JSON.parse(raw || '{}') as { SecretId?: string };
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target !== 'secretsmanager.GetSecretValue' || SecretId === undefined || !Object.hasOwn(secrets, SecretId)) {
        response.writeHead(400);
        response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'Secrets Manager can not find the specified secret.' }));
        return;
      }
      reads.push(SecretId);
      response.writeHead(200);
      response.end(JSON.stringify({ ARN: SecretId, Name: SecretId.split(':').at(-1), SecretString: secrets[SecretId], VersionId: 'v1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
