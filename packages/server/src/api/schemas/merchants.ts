/** The shared schema of a merchant (`Merchant`), as the admin routes answer it (see ../schemas.ts). */
import { merchantExample } from '../examples.js';
import { idSchema, time } from './common.js';

export const merchantSchema = {
  $id: 'Merchant',
  examples: [merchantExample],
  type: 'object',
  required: ['id', 'name', 'created_at'],
  properties: {
    id: idSchema('mer', 'Merchant id.'),
    name: { type: 'string' },
    created_at: time('When the merchant was created.'),
  },
};
