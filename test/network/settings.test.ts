import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLaunchOptions } from '../../src-main/app/launch-options.js';
import { decidePresentationContext, CT_IMAGE_STORAGE, VERIFICATION_SOP_CLASS } from '../../src-main/network/scp/negotiation.js';
import { defaultSettings, settingsPatchSchema, settingsSchema } from '../../src-main/contract/settings.js';
import { DEFAULT_NETWORK_SETTINGS, isLoopbackAddress, parseNetworkSettings } from '../../src-main/contract/network-settings.js';

describe('DICOM node settings', () => {
  it('defaults: SCP off, AE ICHTRIAGE, port 11112, loopback only, no allow-list, no destinations', () => {
    assert.deepEqual(DEFAULT_NETWORK_SETTINGS, {
      scpEnabled: false,
      aeTitle: 'ICHTRIAGE',
      port: 11112,
      bindAddress: '127.0.0.1',
      allowedCallingAeTitles: [],
      allowedHosts: [],
      maxAssociations: 32,
      destinations: [],
      autoSendFlaggedTo: null,
    });
  });

  it('refuses bad values with the field named', () => {
    assert.throws(() => parseNetworkSettings({ aeTitle: 'A_TITLE_THAT_IS_TOO_LONG' }), /aeTitle: an AE title has at most 16 characters/);
    assert.throws(() => parseNetworkSettings({ aeTitle: 'BACK\\SLASH' }), /aeTitle/);
    assert.throws(() => parseNetworkSettings({ bindAddress: 'example.org' }), /bindAddress: the bind address must be an IP address/);
    assert.throws(() => parseNetworkSettings({ destinations: [{ name: 'P', aeTitle: 'A', host: 'h', port: 1 }, { name: 'P', aeTitle: 'B', host: 'h', port: 2 }] }), /used twice/);
    assert.throws(() => parseNetworkSettings({ autoSendFlaggedTo: 'PACS' }), /no destination is named "PACS"/);
  });

  it('knows loopback from addresses other machines can reach', () => {
    assert.ok(isLoopbackAddress('127.0.0.1') && isLoopbackAddress('::1') && isLoopbackAddress('127.0.0.2'));
    assert.ok(!isLoopbackAddress('0.0.0.0') && !isLoopbackAddress('10.0.0.5') && !isLoopbackAddress('::'));
  });

  it('npm start flags override the settings\' network section for the run: SCP on, destinations named', () => {
    const options = parseLaunchOptions(['--dicom-port', '4242', '--ae-title', 'TRIAGE1', '--allow-ae', 'CT1', '--allow-ae', 'PACS', '--send-to', 'PACS=ORTHANC@10.0.0.5:4242', '--auto-send', 'PACS'], {});
    assert.deepEqual(options.overrides.network, {
      ...DEFAULT_NETWORK_SETTINGS,
      scpEnabled: true,
      port: 4242,
      aeTitle: 'TRIAGE1',
      allowedCallingAeTitles: ['CT1', 'PACS'],
      destinations: [{ name: 'PACS', aeTitle: 'ORTHANC', host: '10.0.0.5', port: 4242 }],
      autoSendFlaggedTo: 'PACS',
    });
    assert.equal(parseLaunchOptions([], {}).overrides.network, undefined, 'no flag: the saved settings decide');
    assert.throws(() => parseLaunchOptions(['--send-to', 'PACS'], {}), /NAME=AE_TITLE@HOST:PORT/);
    assert.throws(() => parseLaunchOptions(['--dicom-port', 'x'], {}), /--dicom-port must be a port number/);
  });

  it('is a section of the settings store: defaults, unknown keys refused, cross-field rules checked', () => {
    const context = { home: '/home/u', bundledModelDir: '/models/m', join: (...parts: string[]) => parts.join('/') };
    const settings = defaultSettings(context);
    assert.deepEqual(settings.network, DEFAULT_NETWORK_SETTINGS);
    assert.throws(() => settingsPatchSchema.parse({ network: { printer: 'x' } }));
    const dangling = { ...settings, network: { ...settings.network, autoSendFlaggedTo: 'PACS' } };
    assert.throws(
      () => settingsSchema.parse(dangling),
      (error: { issues?: { path: unknown[]; message: string }[] }) => error.issues?.some((i) => i.path.join('.') === 'network.autoSendFlaggedTo' && i.message === 'no destination is named "PACS"') === true,
    );
  });
});

describe('presentation context negotiation', () => {
  it('takes the first proposed syntax the decoder reads, for CT only', () => {
    assert.deepEqual(decidePresentationContext(CT_IMAGE_STORAGE, ['1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.1']), { accept: true, transferSyntaxUid: '1.2.840.10008.1.2.4.70' });
    assert.deepEqual(decidePresentationContext(CT_IMAGE_STORAGE, ['1.2.840.10008.1.2.4.100']), { accept: false, reason: 'transfer-syntaxes-not-supported' });
    assert.deepEqual(decidePresentationContext('1.2.840.10008.5.1.4.1.1.4', ['1.2.840.10008.1.2.1']), { accept: false, reason: 'abstract-syntax-not-supported' });
    assert.deepEqual(decidePresentationContext(VERIFICATION_SOP_CLASS, ['1.2.840.10008.1.2']), { accept: true, transferSyntaxUid: '1.2.840.10008.1.2' });
  });
});
