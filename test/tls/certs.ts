// Certificates the TLS tests mint with the openssl CLI in a temporary directory: a bad one
// (self-signed, expired in 2020, RSA 1024, SHA-1, a name that is not the test host) and a good one
// (a test CA, and a leaf it signed for 127.0.0.1 with RSA 2048 and SHA-256, valid now).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  key: string;
  cert: string;
}

export interface TestCerts {
  bad: Pem;
  ca: Pem;
  good: Pem;
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function mintTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'wsc-tls-'));
  try {
    // openssl ca is the one openssl 3.0 command that sets arbitrary validity dates
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    writeFileSync(
      join(dir, 'ca.cnf'),
      ['[ ca ]', 'default_ca = c', '[ c ]', 'dir = .', 'database = ./index.txt', 'new_certs_dir = .', 'serial = ./serial', 'default_md = sha1', 'policy = p', 'unique_subject = no', '[ p ]', 'commonName = supplied', ''].join('\n'),
    );
    openssl(dir, ['req', '-new', '-newkey', 'rsa:1024', '-nodes', '-keyout', 'bad.key', '-out', 'bad.csr', '-subj', '/CN=wsc-expired.test']);
    openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'bad.key', '-in', 'bad.csr', '-out', 'bad.crt', '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-notext']);

    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=wsc test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    openssl(dir, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-keyout', 'good.key', '-out', 'good.csr', '-subj', '/CN=127.0.0.1']);
    writeFileSync(join(dir, 'good.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    openssl(dir, ['x509', '-req', '-in', 'good.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '2', '-days', '2', '-sha256', '-extfile', 'good.ext', '-out', 'good.crt']);
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    return {
      bad: { key: read('bad.key'), cert: read('bad.crt') },
      ca: { key: read('ca.key'), cert: read('ca.crt') },
      good: { key: read('good.key'), cert: read('good.crt') },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
