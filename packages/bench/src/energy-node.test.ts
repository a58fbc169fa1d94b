import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EstimateMeter, lookupTdp, RaplMeter } from './energy-node.ts'

describe('energy', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('estimates CPU seconds x TDP per hardware thread from the table', () => {
    const meter = EstimateMeter.create('AMD EPYC 7763 64-Core Processor')!
    const reading = meter.end(10, 2)!
    expect(reading.energyMethod).toBe('estimate')
    expect(reading.joulesTotal).toBeCloseTo((2 * 280) / 128, 10)
    expect(reading.tdpSource).toMatch(/EPYC 7763/)
  })

  it('takes the TDP from a flag over the table, and gives nothing for an unknown CPU', () => {
    expect(EstimateMeter.create('Unknown CPU 9000', 100)!.end(1, 1)!.tdpSource).toMatch(/^flag: 100 W/)
    expect(EstimateMeter.create('Unknown CPU 9000')).toBeUndefined()
    expect(lookupTdp('Unknown CPU 9000')).toBeUndefined()
  })

  it('reads RAPL counters across a wrap-around and subtracts idle power', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rapl-'))
    dirs.push(root)
    const zone = join(root, 'intel-rapl:0')
    await mkdir(zone)
    await writeFile(join(zone, 'name'), 'package-0\n')
    await writeFile(join(zone, 'max_energy_range_uj'), '1000000000\n')
    // Unchanged during the idle phase: idle power is zero.
    await writeFile(join(zone, 'energy_uj'), '999000000\n')
    const meter = RaplMeter.create(0.05, root)!
    expect(meter).toBeDefined()
    meter.begin()
    // The counter wraps: 999 J -> 1000 J (= 0) -> 4 J is 5 J used.
    await writeFile(join(zone, 'energy_uj'), '4000000\n')
    const reading = meter.end(1)
    meter.close()
    expect(reading.energyMethod).toBe('rapl')
    expect(reading.joulesTotal).toBeCloseTo(5, 6)
    expect(reading.idleWatts).toBe(0)
  })

  it('ignores sub-zones and zones that are not packages', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rapl-'))
    dirs.push(root)
    await mkdir(join(root, 'intel-rapl:0:0'))
    await writeFile(join(root, 'intel-rapl:0:0', 'name'), 'core\n')
    expect(RaplMeter.create(0, root)).toBeUndefined()
  })
})
