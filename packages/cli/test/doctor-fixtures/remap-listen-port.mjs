// Preloaded (node --import) into the MCP SDK's unmodified example server: it listens where the example was told its
// public ports are (MCP_PORT, MCP_AUTH_PORT, which it also advertises), and this moves each listen to the instance's
// own loopback port, as a container's port mapping would. DOCTOR_PORT_MAP is "public:own,public:own".
import net from 'node:net';

const map = new Map(
  (process.env.DOCTOR_PORT_MAP ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split(':').map(Number)),
);
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function remappedListen(...args) {
  const own = map.get(Number(args[0]));
  if (own !== undefined) {
    const callback = args.find((arg) => typeof arg === 'function');
    return listen.call(this, own, '127.0.0.1', callback);
  }
  return listen.apply(this, args);
};
