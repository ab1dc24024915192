import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { ConfigError } from '../../config/error';
import { loadConfig } from '../../config/load';
import { tokenSha256 } from '../../config/schema';
import { createReportServer } from '../../report/server';
import { openDb } from '../env';
import { printJson, say } from '../output';
import { parsePositiveInt } from '../parse';
import { connectClient, temporalFromEnv } from '../../temporal/client';

/** `acvloop serve`: the run list and run pages live, with sign-off on the page for the config's reviewers. */
export async function serveCommand(opts: { port: string; host: string; config?: string; tlsCert?: string; tlsKey?: string }): Promise<number> {
  const { source, ...config } = loadConfig(opts.config);
  if (!opts.tlsCert !== !opts.tlsKey) throw new Error('--tls-cert and --tls-key go together: give both to serve https, or neither');
  const tls = opts.tlsCert && opts.tlsKey ? { cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) } : undefined;
  const withTokens = config.reviewers.filter((r) => r.tokenSha256);
  if (!withTokens.length && !config.serve.identityHeader) {
    throw new ConfigError(source ?? 'the default config', ['reviewers: no reviewer has a tokenSha256 and serve.identityHeader is not set: nobody could sign in (make a token with `acvloop token NAME`)']);
  }
  const handle = await openDb();
  const client = await connectClient(temporalFromEnv());
  const server = createReportServer({ handle, client, config, tls });
  const port = parsePositiveInt(opts.port, '--port');
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, opts.host, resolve));
  say(`serving the runs at ${tls ? 'https' : 'http'}://${opts.host}:${port}/ for ${withTokens.map((r) => r.name).join(', ') || 'the proxy\'s identities'} (Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await client.connection.close();
  await handle.close();
  return 0;
}

/** `acvloop token NAME`: a new random token for a reviewer, and the sha256 line the config keeps instead of it. */
export async function tokenCommand(name: string, opts: { json?: boolean }): Promise<number> {
  const token = randomBytes(24).toString('base64url');
  const sha256 = tokenSha256(token);
  if (opts.json) printJson({ name, token, tokenSha256: sha256 });
  else {
    say(`token for ${name} (give it to them; it is shown once): ${token}`);
    say(`add to their entry in the config: "tokenSha256": "${sha256}"`);
  }
  return 0;
}
