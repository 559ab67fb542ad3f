/**
 * `npm run cli -- demo [--entities N] [--inspectors N] [--seed S]`
 * Fills an empty database with Wannian County demo data and prints the demo users.
 */
import { parseArgs } from 'node:util';
import { INSPECTOR_KIND_LABELS } from '../../domain/inspector';
import { ROLE_LABELS } from '../../domain/organisation';
import { POOL_LABELS } from '../../domain/pools';
import { cliCaller, Refusal } from '../../services/context';
import { DEMO_DEFAULTS, type DemoSummary } from '../../services/demo';
import type { CliCommand } from './index';

const HELP = `usage:
  npm run cli -- demo [--entities N] [--inspectors N] [--seed S]
    --entities N    market entities to create (default ${DEMO_DEFAULTS.entities})
    --inspectors N  inspectors to create (default ${DEMO_DEFAULTS.inspectors}, at least 60: two per member unit)
    --seed S        seed of the generator (default ${DEMO_DEFAULTS.seed}); the same seed gives the same data
Only fills an empty database (use e.g. DB_NAME=demo).
`;

function count(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,7}$/.test(raw)) throw new Refusal(`--${flag} 的值“${raw}”无效，请填写正整数`);
  return Number(raw);
}

/** Display width in a terminal: CJK and full-width characters take two columns. */
const width = (s: string): number => [...s].reduce((w, ch) => w + (/[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/.test(ch) ? 2 : 1), 0);
const padTo = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]))));
  const line = (cells: string[]) => cells.map((c, i) => padTo(c, widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderSummary(s: DemoSummary): string {
  const { counts, pools, entityKinds: k, inspectorKinds: ik } = s;
  const official = s.users.find((u) => u.roles.includes('official'));
  const lines = [
    `演示数据已生成（种子 ${s.seed}，用时 ${(s.tookMs / 1000).toFixed(1)} 秒）：`,
    `  成员单位 ${counts.departments} 个；检查事项 ${counts.items} 项（其中A类联合清单 ${s.jointListItems} 项）`,
    `  市场主体 ${counts.entities} 户：企业 ${k['企业']}、个体工商户 ${k['个体工商户']}、农民专业合作社 ${k['农民专业合作社']}`,
    `    ${POOL_LABELS.A} ${pools.A} 户，${POOL_LABELS.B} ${pools.B} 户，${POOL_LABELS.C} ${pools.C} 户`,
    `    信用风险：低 ${s.riskClasses['低']}、一般 ${s.riskClasses['一般']}、较高 ${s.riskClasses['较高']}、高 ${s.riskClasses['高']}`,
    `  执法检查人员 ${counts.inspectors} 名：${(Object.keys(ik) as (keyof typeof ik)[]).map((x) => `${INSPECTOR_KIND_LABELS[x]} ${ik[x]}`).join('、')}；联合检查人员库 ${s.jointPoolInspectors} 名`,
    `  通讯录 ${s.setup.people} 人（企业微信、钉钉同步，部门映射 ${s.setup.mappings} 条），已关联执法检查人员 ${s.setup.linkedInspectors} 名，` +
      (s.setup.robotsSkipped ? `${s.setup.robotsSkipped}（设置后“绑定群机器人”，或重新生成）` : `已绑定工作群机器人 ${s.setup.robots} 个（演示地址，测试消息未发出）`),
    `  登记用户 ${counts.users} 个，其中有角色的演示用户 ${s.users.length} 个：`,
    '',
    table(
      ['用户ID', '姓名', '部门', '角色', '企业微信', '钉钉'],
      s.users.map((u) => [u.userId, u.name, u.department, u.roles.map((r) => `${ROLE_LABELS[r]}(${r})`).join('、'), u.wecomUserId, u.dingtalkStaffId]),
    ),
    '',
  ];
  if (official) lines.push(`试一试：npm run chat -- --as ${official.userId}`, '');
  return lines.join('\n');
}

export const demoCommand: CliCommand = {
  summary: 'fill an empty database with Wannian County demo data (entities, inspectors, items, users)',
  async run(args, app, io) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: { entities: { type: 'string' }, inspectors: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      }));
    } catch (err) {
      io.err(`${(err as Error).message}\n${HELP}`);
      return 2;
    }
    if (values.help) {
      io.err(HELP);
      return 2;
    }
    const summary = await app.services.demo.fill(cliCaller(), {
      entities: count('entities', values.entities),
      inspectors: count('inspectors', values.inspectors),
      seed: values.seed,
      onProgress: io.isTTY ? (msg) => io.err(`${msg}\n`) : undefined,
    });
    io.out(renderSummary(summary));
    return 0;
  },
};
