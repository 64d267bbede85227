// The MCP TypeScript SDK's own example server, `simpleStreamableHttp --oauth`, run unmodified from the installed
// @modelcontextprotocol/sdk as a child process: its in-memory demo OAuth provider on one port, the MCP endpoint on
// another. Several instances stand behind two round-robin balancers (one per port), with a preload that moves each
// instance's listen to its own port (see remap-listen-port.mjs), so every instance advertises the public ports.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBalancer } from '../../src/demo/balancer';
import { freePort } from './free-port';

const here = dirname(fileURLToPath(import.meta.url));
const EXAMPLE = join(
  here,
  '..',
  '..',
  'node_modules',
  '@modelcontextprotocol',
  'sdk',
  'dist',
  'esm',
  'examples',
  'server',
  'simpleStreamableHttp.js',
);

/** Running example instances. */
export interface SdkExampleFleet {
  /** The MCP endpoint (`http://localhost:<port>/mcp`, as the example advertises it). */
  mcpUrl: string;
  close(): Promise<void>;
}

/** Starts one example process and waits until both its servers listen (it prints a line for each). */
async function startExample(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', join(here, 'remap-listen-port.mjs'), EXAMPLE, '--oauth'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (
        output.includes('Authorization Server listening') &&
        output.includes('MCP Streamable HTTP Server listening')
      ) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('exit', (code) => reject(new Error(`the SDK example exited (${code}) before listening: ${output}`)));
  });
  return child;
}

/**
 * {@link startExample} with ports from `ports()`: a port found free a moment ago can be taken before the example
 * binds it (it then exits), so a few tries with new ports.
 */
async function startExampleOnFreePorts(ports: () => Promise<NodeJS.ProcessEnv>): Promise<ChildProcess> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startExample(await ports());
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** `instances` copies of the example behind round-robin balancers (one instance: no balancer). */
export async function startSdkExample(instances: number): Promise<SdkExampleFleet> {
  const children: ChildProcess[] = [];
  const balancers: Awaited<ReturnType<typeof startBalancer>>[] = [];
  try {
    if (instances === 1) {
      let mcpPort = 0;
      children.push(
        await startExampleOnFreePorts(async () => {
          mcpPort = await freePort();
          return { MCP_PORT: String(mcpPort), MCP_AUTH_PORT: String(await freePort()) };
        }),
      );
      return {
        mcpUrl: `http://localhost:${mcpPort}/mcp`,
        close: async () => void (await Promise.all(children.map(stop))),
      };
    }
    const mcp = await startBalancer();
    const auth = await startBalancer();
    balancers.push(mcp, auth);
    const publicMcp = Number(new URL(mcp.url).port);
    const publicAuth = Number(new URL(auth.url).port);
    const own: { mcp: number; auth: number }[] = [];
    for (let index = 0; index < instances; index++) {
      let ports = { mcp: 0, auth: 0 };
      children.push(
        await startExampleOnFreePorts(async () => {
          ports = { mcp: await freePort(), auth: await freePort() };
          return {
            MCP_PORT: String(publicMcp),
            MCP_AUTH_PORT: String(publicAuth),
            DOCTOR_PORT_MAP: `${publicMcp}:${ports.mcp},${publicAuth}:${ports.auth}`,
          };
        }),
      );
      own.push(ports);
    }
    mcp.setBackends(own.map((ports) => ports.mcp));
    auth.setBackends(own.map((ports) => ports.auth));
    return {
      mcpUrl: `http://localhost:${publicMcp}/mcp`,
      close: async () => {
        await Promise.all(children.map(stop));
        await Promise.all(balancers.map((balancer) => balancer.close()));
      },
    };
  } catch (error) {
    await Promise.all(children.map(stop));
    await Promise.all(balancers.map((balancer) => balancer.close()));
    throw error;
  }
}
