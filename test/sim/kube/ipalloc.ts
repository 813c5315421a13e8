/** Sequential IPv4 allocation inside a CIDR, for Service cluster IPs and load-balancer IPs. */
export class IpPool {
  readonly cidr: string;
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();

  constructor(cidr: string) {
    const [addr, bits] = cidr.split('/');
    const prefix = Number(bits);
    if (!addr || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) {
      throw new Error(`IpPool needs an IPv4 CIDR between /8 and /30, got ${cidr}`);
    }
    this.cidr = cidr;
    this.size = 2 ** (32 - prefix);
    this.base = (ipToInt(addr) & ~(this.size - 1)) >>> 0;
  }

  /** Marks an address taken (e.g. when restoring objects). */
  reserve(ip: string): void {
    this.used.add(ipToInt(ip));
  }

  release(ip: string): void {
    this.used.delete(ipToInt(ip));
  }

  /** The lowest free address after the network address (and a few reserved ones). */
  allocate(): string {
    // The first addresses are reserved, as GCP reserves .0, .1 and the last ones in a subnet.
    for (let off = 10; off < this.size - 1; off++) {
      const ip = this.base + off;
      if (!this.used.has(ip)) {
        this.used.add(ip);
        return intToIp(ip);
      }
    }
    throw new Error(`IpPool ${this.cidr} is exhausted`);
  }
}

/** Dotted IPv4 to an unsigned number. Throws on a malformed address. */
export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

/** Unsigned number to dotted IPv4. */
export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
