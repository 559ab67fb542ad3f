import { parseArgs } from 'node:util';
import { ROLE_LABELS, unitName } from '../../domain/organisation';
import { cliCaller } from '../../services/context';
import type { CliCommand } from './index';

const HELP = `usage:
  npm run cli -- user add --id <userid> --name <姓名> --dept <部门> --roles official,leader[,...] [--wecom <userid>] [--dingtalk <staffId>]
  npm run cli -- user list
roles: official leader office justice inspector admin
`;

export const userCommand: CliCommand = {
  summary: 'register a user (platform ids, department, roles) or list users',
  async run(args, app, io) {
    const [sub, ...rest] = args;
    if (sub === 'list') {
      for (const u of await app.repos.org.users()) {
        io.out(`${u.userId}\t${u.name}\t${unitName(u.department)}\t${u.roles.map((r) => ROLE_LABELS[r]).join('、')}\t${u.wecomUserId ?? '-'}\t${u.dingtalkStaffId ?? '-'}\n`);
      }
      return 0;
    }
    if (sub !== 'add') {
      io.err(HELP);
      return 2;
    }
    const { values } = parseArgs({
      args: rest,
      options: {
        id: { type: 'string' }, name: { type: 'string' }, dept: { type: 'string' }, roles: { type: 'string' },
        wecom: { type: 'string' }, dingtalk: { type: 'string' },
      },
    });
    if (!values.id || !values.dept || !values.roles) {
      io.err(HELP);
      return 2;
    }
    const user = await app.services.users.save(cliCaller(), {
      userId: values.id, name: values.name ?? values.id, department: values.dept, roles: values.roles.split(','),
      wecomUserId: values.wecom, dingtalkStaffId: values.dingtalk,
    });
    io.out(`saved ${user.userId} (${unitName(user.department)}: ${user.roles.join(',')})\n`);
    return 0;
  },
};
