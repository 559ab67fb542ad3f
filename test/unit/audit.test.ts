/** Audit diffs (R20): which fields changed, as JSON text. */
import { diff } from '../../src/domain/audit';

describe('audit diff (R20)', () => {
  it('R20: lists the fields that changed, sorted, as JSON text', () => {
    expect(diff({ name: '甲', roles: ['official'], active: true }, { name: '甲', roles: ['official', 'leader'], active: false })).toEqual([
      { field: 'active', from: 'true', to: 'false' },
      { field: 'roles', from: '["official"]', to: '["official","leader"]' },
    ]);
  });

  it('a new record lists every field from nothing; unchanged lists nothing', () => {
    expect(diff(undefined, { b: 1, a: 'x' })).toEqual([
      { field: 'a', from: '', to: '"x"' },
      { field: 'b', from: '', to: '1' },
    ]);
    expect(diff({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] })).toEqual([]);
  });

  it('a removed field goes to empty; undefined counts as absent', () => {
    expect(diff({ wecomUserId: 'zs', name: 'n' }, { wecomUserId: undefined, name: 'n' })).toEqual([{ field: 'wecomUserId', from: '"zs"', to: '' }]);
    expect(diff({ x: undefined }, {})).toEqual([]);
  });
});
