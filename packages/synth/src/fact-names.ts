import type { Random } from './random.ts'

const ONSETS = [
  'b',
  'd',
  'f',
  'g',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'z',
  'br',
  'dr',
  'st',
  'tr',
  'th',
]
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ei', 'ou']
const CODAS = ['', '', '', 'n', 'r', 'l', 's', 'm', 'th', 'nd']

function syllable(random: Random): string {
  return random.pick(ONSETS) + random.pick(VOWELS) + random.pick(CODAS)
}

const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1)

/** A pronounceable made-up word of `syllables` syllables, capitalised. */
export function word(random: Random, syllables: number): string {
  let w = ''
  for (let i = 0; i < syllables; i++) w += syllable(random)
  return cap(w)
}

const CITY_SUFFIXES = ['', '', 'burg', 'port', 'ford', 'haven', 'dale', 'mouth']
const COMPANY_FORMS = ['{w} Works', '{w} Industries', '{w} & Sons', '{w} Company', '{w} Foundry', '{w} Mills']
const INVENTION_NOUNS = [
  'engine',
  'loom',
  'lamp',
  'press',
  'pump',
  'telescope',
  'valve',
  'compass',
  'clock',
  'kiln',
]

/** Name makers per entity type. */
export const NAMERS = {
  person: (r: Random) => `${word(r, 1 + r.int(2))} ${word(r, 2)}`,
  city: (r: Random) => word(r, 2) + r.pick(CITY_SUFFIXES),
  country: (r: Random) => word(r, 2 + r.int(2)) + r.pick(['ia', 'a', 'land', 'or', '']),
  river: (r: Random) => word(r, 2),
  company: (r: Random) => r.pick(COMPANY_FORMS).replace('{w}', word(r, 2)),
  invention: (r: Random) => `${word(r, 2)} ${r.pick(INVENTION_NOUNS)}`,
} as const

/**
 * A name that differs from `name` in one vowel of one word: the distractor entities that make
 * retrieval by surface form hard ("Kalomir Vess" and "Kalamir Vess").
 */
export function similarName(name: string, random: Random, firstWordOnly = false): string {
  const positions: number[] = []
  const stop = firstWordOnly && name.includes(' ') ? name.indexOf(' ') : name.length
  for (let i = 1; i < stop; i++) if ('aeiou'.includes(name[i]!)) positions.push(i)
  if (positions.length === 0) return `${name}e`
  const at = random.pick(positions)
  const others = [...'aeiou'].filter((v) => v !== name[at])
  return name.slice(0, at) + random.pick(others) + name.slice(at + 1)
}
