// Where the bridge's Java and Derby come from: pure plans, table-tested.
import { describe, expect, it } from 'vitest';
import { javaCandidates, pickDerbyJars } from '../../../../src/services/client-db/derby/index.js';

describe('javaCandidates', () => {
  it.each([
    ['the station jre first, then JAVA_HOME, then PATH', '/opt/reg', { JAVA_HOME: '/usr/lib/jvm/17', PATH: '/usr/bin:/bin' }, 'linux',
      ['/opt/reg/jre/bin/java', '/usr/lib/jvm/17/bin/java', '/usr/bin/java', '/bin/java']],
    ['no JAVA_HOME, empty PATH entries skipped', '/opt/reg', { PATH: ':/usr/bin:' }, 'linux', ['/opt/reg/jre/bin/java', '/usr/bin/java']],
    ['Windows: java.exe, ; separated Path', 'C:\\reg', { JAVA_HOME: 'C:\\jdk', Path: 'C:\\Windows;C:\\bin' }, 'win32',
      ['C:\\reg\\jre\\bin\\java.exe', 'C:\\jdk\\bin\\java.exe', 'C:\\Windows\\java.exe', 'C:\\bin\\java.exe']],
  ] as const)('%s', (_name, clientDir, env, platform, expected) => {
    expect(javaCandidates(clientDir, env, platform)).toEqual(expected);
  });
});

describe('pickDerbyJars', () => {
  it.each([
    ["MOSIP's lib: the engine jar, not tools, client or locales", ['derby-10.13.1.1.jar', 'derbytools-10.13.1.1.jar', 'derbyclient-10.13.1.1.jar', 'derbyLocale_fr-10.13.1.1.jar', 'registration-services-1.1.5.5.jar'], ['derby-10.13.1.1.jar']],
    ['two engines left by an upgrade: the highest version', ['derby-10.9.1.0.jar', 'derby-10.13.1.1.jar'], ['derby-10.13.1.1.jar']],
    ["Derby 10.15+: derbyshared beside the engine", ['derby-10.16.1.1.jar', 'derbyshared-10.16.1.1.jar'], ['derby-10.16.1.1.jar', 'derbyshared-10.16.1.1.jar']],
    ['no engine jar', ['derbytools-10.13.1.1.jar', 'derby.jar.bak'], []],
  ])('%s', (_name, names, expected) => {
    expect(pickDerbyJars(names)).toEqual(expected);
  });
});
