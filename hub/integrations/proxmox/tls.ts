import { Agent, type AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect, rootCertificates, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { PveError } from './errors.js';

/**
 * How one cluster's certificate is trusted. There is no "TLS off": either
 * the chain verifies (system CAs plus `ca`) and names the host, or the
 * leaf's SHA-256 fingerprint is pinned (Proxmox ships a self-signed
 * certificate; its GUI shows the fingerprint).
 */
export interface TlsTrust {
  /** Extra CA certificates (PEM), trusted besides the system ones. */
  ca?: string | null;
  /** Pinned SHA-256 fingerprint (`AB:CD:...`, colons and case free): only this certificate is accepted. */
  fingerprint?: string | null;
}

export interface PeerCertificate {
  /** SHA-256 fingerprint, `AB:CD:...` (the form the PVE GUI and openssl print). */
  fingerprint: string;
  /** The chain verified against the CAs and names the host. */
  verified: boolean;
  /** Why it did not verify (OpenSSL's code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT); null when it did. */
  verifyError: string | null;
}

/** `ab:cd...`, `ABCD...` -> `AB:CD:...`; throws on anything but 32 hex bytes. */
export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new Error('a SHA-256 fingerprint is 32 hex bytes (AB:CD:...)');
  return hex.match(/../g)!.join(':');
}

const caList = (ca: string | null | undefined) => (ca ? [...rootCertificates, ca] : undefined);

function peerOf(socket: TLSSocket): PeerCertificate {
  const cert = socket.getPeerCertificate();
  return { fingerprint: cert.fingerprint256, verified: socket.authorized, verifyError: socket.authorized ? null : String(socket.authorizationError ?? 'unverified') };
}

/** Null when the peer is acceptable under `trust`, else the TLS error saying why. */
export function judgePeer(peer: PeerCertificate, trust: TlsTrust, host: string): PveError | null {
  if (trust.fingerprint) {
    const pinned = normalizeFingerprint(trust.fingerprint);
    if (peer.fingerprint === pinned) return null;
    return new PveError('tls', `certificate of ${host} changed: SHA-256 ${peer.fingerprint} is not the pinned ${pinned} (refused; re-register the cluster if the change is expected)`);
  }
  if (peer.verified) return null;
  return new PveError('tls', `certificate of ${host} does not verify (${peer.verifyError}) and no fingerprint is pinned`);
}

/**
 * An https.Agent that hands a socket to the request only after the peer
 * passed `judgePeer`: nothing (no credential) is written before. Idle
 * keep-alive sockets close after `keepAliveMs`, below pveproxy's 5 s, so a
 * request never lands on a socket the server is closing.
 */
export class TrustingAgent extends Agent {
  constructor(
    private readonly trust: TlsTrust,
    keepAliveMs: number,
    options: AgentOptions = {},
  ) {
    super({ ...options, keepAlive: true, timeout: keepAliveMs, maxCachedSessions: 0, maxSockets: 8 });
  }

  override createConnection(options: ConnectionOptions, callback: (err: Error | null, socket?: Duplex) => void): Duplex | undefined {
    const socket = connect({ ...options, ca: caList(this.trust.ca), rejectUnauthorized: false });
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      socket.off('error', finish);
      if (err) {
        socket.destroy();
        callback(err);
      } else callback(null, socket);
    };
    socket.once('error', finish);
    socket.once('secureConnect', () => finish(judgePeer(peerOf(socket), this.trust, String(options.host ?? options.servername))));
    // The socket is handed over in the callback, once judged (Node's Agent waits for it when this returns nothing).
    return undefined;
  }
}

/** Connects once to read the server's certificate (registration: verify, or pin what is seen). */
export function probeCertificate(url: URL, trust: Pick<TlsTrust, 'ca'>, timeoutMs: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 443), servername: isIp(url.hostname) ? undefined : url.hostname, ca: caList(trust.ca), rejectUnauthorized: false });
    socket.setTimeout(timeoutMs, () => socket.destroy(new PveError('timeout', `no TLS handshake with ${url.host} within ${timeoutMs} ms`)));
    socket.once('error', (err) => reject(err instanceof PveError ? err : new PveError('network', `cannot connect to ${url.host}: ${err.message}`, null, {}, { cause: err })));
    socket.once('secureConnect', () => {
      const peer = peerOf(socket);
      socket.end();
      resolve(peer);
    });
  });
}

const isIp = (host: string) => /^[\d.]+$/.test(host) || host.includes(':');
