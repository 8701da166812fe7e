import { checkAxialSlice } from '../pipeline/assemble/index.js';
import { decodeFile } from '../pipeline/decode/index.js';
import { UsageError, type Io, type ParsedArgs } from './command.js';

/** What the engine sees in one file: header, HU range, warnings, eligibility. Patient data only with --phi. */
export async function runInfo(args: ParsedArgs, io: Io): Promise<number> {
  const [file] = args.positionals;
  if (!file || args.positionals.length > 1) throw new UsageError('info needs exactly one file');
  const decoded = await decodeFile(file, args.maxFileBytes);
  if (!decoded.ok) {
    const report = { file, readable: false, code: decoded.code, reason: decoded.reason };
    io.stdout(args.json ? JSON.stringify(report, null, 2) + '\n' : `${file}: not usable: ${decoded.code}: ${decoded.reason}\n`);
    return 1;
  }
  const { header, hu, warnings } = decoded.instance;
  const { patient: _patient, ...withoutPhi } = header;
  let min = Infinity;
  let max = -Infinity;
  for (const v of hu) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const ineligible = checkAxialSlice(header);
  const report = {
    file,
    readable: true,
    header: args.phi ? header : withoutPhi,
    hu: { min, max },
    triage: ineligible ? { eligible: false, code: ineligible.code, reason: ineligible.reason } : { eligible: true },
    warnings,
  };
  if (args.json) {
    io.stdout(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  const lines = [`${file}`];
  for (const [key, value] of Object.entries(report.header)) lines.push(`  ${key.padEnd(24)} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  if (!args.phi) lines.push(`  ${'patient'.padEnd(24)} (hidden; --phi shows it)`);
  lines.push(`  ${'HU range'.padEnd(24)} ${min} .. ${max}`);
  lines.push(`  ${'triage'.padEnd(24)} ${ineligible ? `not eligible: ${ineligible.code}: ${ineligible.reason}` : 'eligible axial CT slice'}`);
  for (const w of warnings) lines.push(`  ! ${w.code}: ${w.message}`);
  io.stdout(lines.join('\n') + '\n');
  return 0;
}
