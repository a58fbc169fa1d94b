/** A tiny corpus where each query has one obviously relevant document. */
export const TINY_CORPUS = [
  {
    id: 'rail',
    title: 'Railroads',
    text: 'The transcontinental railroad links the eastern railways to the Pacific coast by rail.',
  },
  {
    id: 'tax',
    title: 'Taxes',
    text: 'Income tax cuts and tax relief for working families were proposed in the budget.',
  },
  {
    id: 'navy',
    title: 'The Navy',
    text: 'Ships of the navy patrol the seas; the fleet needs new battleships and sailors.',
  },
  {
    id: 'farm',
    title: 'Agriculture',
    text: 'Farmers harvest wheat and corn; agriculture prices and crops depend on the weather.',
  },
  {
    id: 'school',
    title: 'Education',
    text: 'Public schools and teachers educate children; education funding for schools grows.',
  },
  {
    id: 'health',
    title: 'Health care',
    text: 'Hospitals, doctors and health insurance: health care costs for patients keep rising.',
  },
  {
    id: 'moon',
    title: 'Space',
    text: 'Astronauts will fly rockets to the moon; the space program explores the moon and planets.',
  },
  {
    id: 'trade',
    title: 'Trade',
    text: 'Tariffs on imports and exports shape foreign trade with our trading partners abroad.',
  },
]
