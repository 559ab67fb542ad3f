/** Inspectors (R7, R8, R8a) and inspection items (R9) as services see them. */
import type { InspectorRecord } from '../inspector';
import type { ItemRecord } from '../item';

export type InspectorDoc = InspectorRecord & { updatedAt: Date; updatedBy: string };

export type ItemDoc = ItemRecord & { updatedAt: Date; updatedBy: string };
