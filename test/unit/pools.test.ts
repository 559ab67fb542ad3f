/** Pool placements (R1, R5): who may place an entity where, and who confirms. */
import type { Role } from '../../src/domain/organisation';
import { decideConfirmation, decidePlacement, type Actor, type Pool } from '../../src/domain/pools';

const actor = (roles: Role[], department = 'YJGLJ'): Actor => ({ userId: `u-${roles.join('-')}`, department, roles });

describe('decidePlacement / decideConfirmation (R1, R5)', () => {
  const office = actor(['office'], 'SCJGJ');

  it('R1, R20: only 联席办 proposes pool A; another 联席办 member confirms it', () => {
    expect(decidePlacement(office, 'A', 'B')).toEqual({ ok: true, effective: false, pending: 'A' });
    expect(decidePlacement(office, 'A', 'C')).toEqual({ ok: true, effective: false, pending: 'A' });
    for (const roles of [['official'], ['leader'], ['justice'], ['admin'], ['inspector'], ['official', 'leader', 'admin']] as Role[][]) {
      const d = decidePlacement(actor(roles, roles.includes('justice') ? 'SFJ' : 'SCJGJ'), 'A', 'B');
      expect(d).toMatchObject({ ok: false, rule: 'R1' });
      if (!d.ok) expect(d.message).toContain('R1');
    }
  });

  it('R1: a member unit (official or leader) proposes C; it is pending, not effective', () => {
    expect(decidePlacement(actor(['official']), 'C', 'B')).toEqual({ ok: true, effective: false, pending: 'C' });
    expect(decidePlacement(actor(['leader']), 'C', 'A')).toEqual({ ok: true, effective: false, pending: 'C' });
    expect(decidePlacement(office, 'C', 'B')).toEqual({ ok: true, effective: false, pending: 'C' });
  });

  it('R1: roles that are not a member unit\'s official, leader or 联席办 cannot propose C', () => {
    for (const roles of [['inspector'], ['justice'], ['admin'], []] as Role[][]) {
      expect(decidePlacement(actor(roles), 'C', 'B')).toMatchObject({ ok: false, rule: 'R1' });
    }
  });

  it('R5, R20: moving to B is a pool adjustment that only 联席办 proposes (another member confirms)', () => {
    expect(decidePlacement(office, 'B', 'A')).toEqual({ ok: true, effective: false, pending: 'B' });
    expect(decidePlacement(office, 'B', 'C')).toEqual({ ok: true, effective: false, pending: 'B' });
    for (const roles of [['official'], ['leader'], ['admin']] as Role[][]) {
      const d = decidePlacement(actor(roles), 'B', 'C');
      expect(d).toMatchObject({ ok: false, rule: 'R5' });
      if (!d.ok) expect(d.message).toContain('R5');
    }
  });

  it('refuses a move to the pool the entity is already in', () => {
    for (const p of ['A', 'B', 'C'] as Pool[]) expect(decidePlacement(office, p, p).ok).toBe(false);
  });

  it('R1: only 联席办 confirms a proposed C placement', () => {
    expect(decideConfirmation(office)).toEqual({ ok: true });
    for (const roles of [['official'], ['leader'], ['justice'], ['admin'], ['inspector']] as Role[][]) {
      const d = decideConfirmation(actor(roles));
      expect(d).toMatchObject({ ok: false, rule: 'R1' });
    }
  });
});
