/**
 * A certificate authority made by the test with openssl (Debian's openssl
 * 3.0): a CA, and leaf certificates with the names and validity a test asks
 * for — including expired ones, which `openssl ca -startdate/-enddate` can
 * write and `openssl x509 -req` cannot. Everything lives in a temp dir the
 * caller removes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Leaf {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** SHA-256 fingerprint, upper-case pairs with colons. */
  fingerprint256: string;
}

export interface LeafOptions {
  commonName: string;
  /** subjectAltName entries as openssl writes them: "DNS:sip.example.test", "URI:sip:example.test", "IP:127.0.0.1". */
  altNames?: readonly string[];
  /** YYYYMMDDHHMMSSZ; default: yesterday → in ten years. */
  startDate?: string;
  endDate?: string;
}

export class TestPki {
  readonly dir: string;
  readonly caFile: string;
  readonly ca: string;
  #serial = 1;

  private constructor(dir: string, caFile: string) {
    this.dir = dir;
    this.caFile = caFile;
    this.ca = readFileSync(caFile, 'utf8');
  }

  static create(name = 'Parley Test CA'): TestPki {
    const dir = mkdtempSync(join(tmpdir(), 'parley-pki-'));
    const caKey = join(dir, 'ca.key');
    const caFile = join(dir, 'ca.pem');
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '3650', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    writeFileSync(join(dir, 'index.txt'), '');
    return new TestPki(dir, caFile);
  }

  leaf(options: LeafOptions): Leaf {
    const n = this.#serial++;
    const keyFile = join(this.dir, `leaf${n}.key`);
    const csr = join(this.dir, `leaf${n}.csr`);
    const certFile = join(this.dir, `leaf${n}.pem`);
    const ext = join(this.dir, `leaf${n}.cnf`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${options.commonName}`]);
    const day = (d: Date) => d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
    const start = options.startDate ?? day(new Date(Date.now() - 86_400_000));
    const end = options.endDate ?? day(new Date(Date.now() + 3650 * 86_400_000));
    writeFileSync(ext, [
      '[ca]', 'default_ca = test', '[test]', `dir = ${this.dir}`, 'database = $dir/index.txt', 'serial = $dir/serial', `new_certs_dir = $dir`, `certificate = ${this.caFile}`,
      `private_key = ${join(this.dir, 'ca.key')}`, 'default_md = sha256', 'policy = any', 'unique_subject = no', 'copy_extensions = none', 'email_in_dn = no',
      '[any]', 'commonName = supplied', '[leaf]', 'basicConstraints = CA:FALSE', 'keyUsage = digitalSignature', 'extendedKeyUsage = serverAuth, clientAuth',
      ...(options.altNames && options.altNames.length > 0 ? [`subjectAltName = ${options.altNames.join(', ')}`] : []), '',
    ].join('\n'));
    writeFileSync(join(this.dir, 'serial'), n.toString(16).padStart(4, '0'));
    openssl(['ca', '-batch', '-config', ext, '-extensions', 'leaf', '-in', csr, '-out', certFile, '-startdate', start, '-enddate', end, '-notext']);
    const cert = readFileSync(certFile, 'utf8');
    const fp = openssl(['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256']).trim().replace(/^.*=/, '');
    return { cert, key: readFileSync(keyFile, 'utf8'), certFile, keyFile, fingerprint256: fp };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
}
