/** A registered user and a member unit as services see them (stored in `users` and `departments`). */
import type { Role } from '../organisation';

export interface UserDoc {
  userId: string;
  name: string;
  department: string;
  roles: Role[];
  wecomUserId?: string;
  dingtalkStaffId?: string;
  /** From the platform's directory, for matching people; never shown to other users. */
  mobile?: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface DepartmentDoc {
  code: string;
  name: string;
  order: number;
  hostsJointOffice: boolean;
}
