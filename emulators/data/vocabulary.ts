/** Word lists for synthetic data. Every person, street and company here is invented. */
export const FIRST_NAMES = [
  'Anna',
  'Ben',
  'Clara',
  'David',
  'Emma',
  'Felix',
  'Greta',
  'Hugo',
  'Ida',
  'Jonas',
  'Klara',
  'Luis',
  'Mia',
  'Noah',
  'Olivia',
  'Paul',
  'Rosa',
  'Sami',
  'Tara',
  'Umar',
  'Vera',
  'Wen',
  'Yara',
  'Zoe',
  'José',
  'Zoë',
  'Łukasz',
  'Søren',
  'Aiko',
  'Chloé',
];
export const LAST_NAMES = [
  'Alder',
  'Birch',
  'Cedar',
  'Dale',
  'Elm',
  'Fern',
  'Glen',
  'Hawthorn',
  'Ivy',
  'Juniper',
  'Kestrel',
  'Linden',
  'Maple',
  'North',
  'Oak',
  'Pine',
  'Quill',
  'Rowan',
  'Sage',
  'Thorn',
  'Underwood',
  'Vale',
  'Willow',
  'Yew',
  "O'Brien",
  'Müller-Lüdenscheidt',
  'van der Berg',
  'Núñez',
];
export const TITLES = ['Dr.', 'Prof.', 'Mx.', ''];
export const SALUTATIONS = ['Mr', 'Ms', 'Mrs', ''];
export const COMPANIES = [
  'Acme Outdoor GmbH',
  'Blue Harbor Ltd',
  'Cobalt & Sons',
  'Delta Supplies Inc.',
  'Evergreen Co-op',
];
export const STREETS = [
  'Lindenallee',
  'Harbor Road',
  'Rue des Fleurs',
  'Main Street',
  'Kastanienweg',
  'Calle Mayor',
  'Elm Avenue',
];
export const CITIES: ReadonlyArray<{
  city: string;
  country: string;
  region?: string;
  postalCode: string;
  phonePrefix: string;
}> = [
  { city: 'Berlin', country: 'DE', postalCode: '10115', phonePrefix: '+49 30' },
  { city: 'München', country: 'DE', region: 'Bayern', postalCode: '80331', phonePrefix: '+49 89' },
  { city: 'Amsterdam', country: 'NL', postalCode: '1012', phonePrefix: '+31 20' },
  { city: 'Springfield', country: 'US', region: 'IL', postalCode: '62701', phonePrefix: '+1 217' },
  { city: 'Portland', country: 'US', region: 'OR', postalCode: '97201', phonePrefix: '+1 503' },
  { city: 'London', country: 'GB', postalCode: 'SW1A 1AA', phonePrefix: '+44 20' },
  { city: 'Tokyo', country: 'JP', postalCode: '100-0001', phonePrefix: '+81 3' },
];
export const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example'];

/** Category tree: 3 roots → 3 children → 2–3 leaves, with English and German names. */
export const CATEGORY_TREE: ReadonlyArray<{
  en: string;
  de: string;
  children: ReadonlyArray<{ en: string; de: string; leaves: ReadonlyArray<[string, string]> }>;
}> = [
  {
    en: 'Women',
    de: 'Damen',
    children: [
      {
        en: 'Pants',
        de: 'Hosen',
        leaves: [
          ['Jeans', 'Jeans'],
          ['Chinos', 'Chinos'],
          ['Leggings', 'Leggings'],
        ],
      },
      {
        en: 'Tops',
        de: 'Oberteile',
        leaves: [
          ['T-Shirts', 'T-Shirts'],
          ['Blouses', 'Blusen'],
        ],
      },
      {
        en: 'Shoes',
        de: 'Schuhe',
        leaves: [
          ['Sneakers', 'Sneaker'],
          ['Boots', 'Stiefel'],
        ],
      },
    ],
  },
  {
    en: 'Men',
    de: 'Herren',
    children: [
      {
        en: 'Pants',
        de: 'Hosen',
        leaves: [
          ['Jeans', 'Jeans'],
          ['Shorts', 'Kurze Hosen'],
        ],
      },
      {
        en: 'Shirts',
        de: 'Hemden',
        leaves: [
          ['Casual Shirts', 'Freizeithemden'],
          ['Formal Shirts', 'Businesshemden'],
        ],
      },
      {
        en: 'Accessories',
        de: 'Accessoires',
        leaves: [
          ['Belts', 'Gürtel'],
          ['Hats', 'Hüte'],
          ['Bags', 'Taschen'],
        ],
      },
    ],
  },
  {
    en: 'Home',
    de: 'Wohnen',
    children: [
      {
        en: 'Kitchen',
        de: 'Küche',
        leaves: [
          ['Cookware', 'Kochgeschirr'],
          ['Knives', 'Messer'],
        ],
      },
      {
        en: 'Living',
        de: 'Wohnzimmer',
        leaves: [
          ['Lamps', 'Lampen'],
          ['Cushions', 'Kissen'],
        ],
      },
      {
        en: 'Garden',
        de: 'Garten',
        leaves: [
          ['Tools', 'Werkzeug'],
          ['Planters', 'Pflanzgefäße'],
        ],
      },
    ],
  },
];

export const PRODUCT_ADJECTIVES: ReadonlyArray<[string, string]> = [
  ['Classic', 'Klassische'],
  ['Organic', 'Bio'],
  ['Slim', 'Schmale'],
  ['Vintage', 'Vintage'],
  ['Everyday', 'Alltags'],
  ['Premium', 'Premium'],
  ['Lightweight', 'Leichte'],
];
export const PRODUCT_NOUNS: ReadonlyArray<[string, string]> = [
  ['Jacket', 'Jacke'],
  ['Sneaker', 'Sneaker'],
  ['Lamp', 'Lampe'],
  ['Skillet', 'Pfanne'],
  ['Backpack', 'Rucksack'],
  ['Shirt', 'Hemd'],
  ['Planter', 'Pflanzkübel'],
  ['Belt', 'Gürtel'],
];
export const COLORS = ['black', 'white', 'navy', 'olive', 'sand', 'red'];
export const SIZES = ['XS', 'S', 'M', 'L', 'XL', 'XXL'];
export const SHIPPING_METHODS = ['Standard', 'Express', 'Pickup'];

/** Parcel carriers and the shape of their tracking numbers (`#` a digit, `A` an upper-case letter or digit). */
export const CARRIERS: ReadonlyArray<{ name: string; trackingFormat: string }> = [
  { name: 'DHL', trackingFormat: `JJD00${'#'.repeat(16)}` },
  { name: 'UPS', trackingFormat: `1ZAAAAAA${'#'.repeat(10)}` },
  { name: 'FedEx', trackingFormat: '#'.repeat(12) },
  { name: 'USPS', trackingFormat: `94001${'#'.repeat(17)}` },
  { name: 'DPD', trackingFormat: '#'.repeat(14) },
];
/** Shipping platforms that sit in front of several carriers (`TrackingData.provider`). */
export const SHIPPING_PROVIDERS = ['Sendcloud', 'Shippo', 'EasyPost'];
export const RETURN_COMMENTS = [
  'Too small',
  'Too large',
  'Not as described',
  'Arrived damaged',
  'Changed my mind',
  'Wrong item sent',
];
