import type { EntityType } from './facts.ts'

/**
 * Each passage is one sentence from each group, in order. `{name}` is the entity, `{short}` its
 * surname (people) or "It", every other slot a fact whose span is recorded.
 */
export const PASSAGE_TEMPLATES: Readonly<Record<EntityType, readonly (readonly string[])[]>> = {
  person: [
    [
      '{name} was born in {born_in} in {birth_year}.',
      'Born in {birth_year} in the city of {born_in}, {name} spent a childhood by the harbour.',
      '{name} came into the world in {born_in} in the year {birth_year}.',
    ],
    [
      '{short} worked as a {occupation} for most of a long life.',
      'By trade {short} was a {occupation}.',
      '{short} became a respected {occupation}.',
    ],
  ],
  city: [
    [
      '{name} is a city in {country}.',
      '{name} lies in the country of {country}.',
      'The city of {name} belongs to {country}.',
    ],
    [
      'It stands on the {river} river.',
      'The {river} river runs through it.',
      'It was built along the {river} river.',
    ],
    [
      'Its charter dates from {founded}.',
      'It was founded in {founded}.',
      'Settlers founded it in {founded}.',
    ],
  ],
  country: [
    [
      'The capital of {name} is {capital}.',
      '{name} is governed from its capital, {capital}.',
      '{name} has {capital} as its capital.',
    ],
    ['It was established in {established}.', 'The country dates its founding to {established}.'],
  ],
  river: [
    [
      'The {name} is a river {length_km} kilometres long.',
      'The {name} river runs for {length_km} kilometres.',
    ],
    ['It empties into the {sea}.', 'Its mouth opens onto the {sea}.'],
  ],
  company: [
    ['{name} was founded in {founded} by {founded_by}.', 'In {founded}, {founded_by} founded {name}.'],
    ['Its headquarters are in {headquarters}.', 'It is headquartered in {headquarters}.'],
    ['The firm works in {industry}.', 'Its main business is {industry}.'],
  ],
  invention: [
    ['The {name} was invented by {invented_by} in {year}.', '{invented_by} invented the {name} in {year}.'],
    ['It is manufactured by {made_by}.', 'Today {made_by} makes it.'],
  ],
}

/** Single-hop question templates per entity type and fact key. */
export const SINGLE_HOP: Readonly<Record<EntityType, Readonly<Record<string, readonly string[]>>>> = {
  person: {
    born_in: [
      'Where was {name} born?',
      'In which city was {name} born?',
      'What is the birthplace of {name}?',
    ],
    birth_year: ['In what year was {name} born?', 'When was {name} born?'],
    occupation: ["What was {name}'s profession?", 'What did {name} work as?'],
  },
  city: {
    country: ['In which country is {name}?', 'Which country does the city of {name} belong to?'],
    river: ['On which river does {name} stand?', 'Which river runs through {name}?'],
    founded: ['When was {name} founded?', 'In what year was the city of {name} founded?'],
  },
  country: {
    capital: ['What is the capital of {name}?', 'Which city is the capital of {name}?'],
    established: ['When was {name} established?'],
  },
  river: {
    length_km: ['How many kilometres long is the {name}?'],
    sea: ['Into which sea does the {name} flow?'],
  },
  company: {
    founded_by: ['Who founded {name}?', 'Who was the founder of {name}?'],
    founded: ['In what year was {name} founded?'],
    headquarters: ['Where is {name} headquartered?', 'In which city are the headquarters of {name}?'],
    industry: ['In which industry does {name} work?'],
  },
  invention: {
    invented_by: ['Who invented the {name}?', 'Who is the inventor of the {name}?'],
    year: ['When was the {name} invented?'],
    made_by: ['Which company manufactures the {name}?'],
  },
}

/** Two-hop chains: from an entity of type `from`, follow `link`, then ask for `fact` of the entity reached. */
export const TWO_HOP: readonly {
  from: EntityType
  link: string
  fact: string
  templates: readonly string[]
}[] = [
  {
    from: 'company',
    link: 'founded_by',
    fact: 'born_in',
    templates: [
      'Where was the founder of {name} born?',
      'In which city was the person who founded {name} born?',
    ],
  },
  {
    from: 'company',
    link: 'founded_by',
    fact: 'birth_year',
    templates: ['In what year was the founder of {name} born?'],
  },
  {
    from: 'invention',
    link: 'invented_by',
    fact: 'born_in',
    templates: ['In which city was the inventor of the {name} born?'],
  },
  {
    from: 'invention',
    link: 'made_by',
    fact: 'headquarters',
    templates: ['Where is the maker of the {name} headquartered?'],
  },
  {
    from: 'country',
    link: 'capital',
    fact: 'river',
    templates: ['On which river does the capital of {name} stand?'],
  },
  { from: 'person', link: 'born_in', fact: 'country', templates: ['In which country was {name} born?'] },
  {
    from: 'company',
    link: 'headquarters',
    fact: 'country',
    templates: ['In which country is {name} headquartered?'],
  },
]
