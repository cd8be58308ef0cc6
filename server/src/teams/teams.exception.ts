import { HttpStatus } from '@nestjs/common';
import { AppException } from '../core/errors/app.exception';

export enum TeamsErrorCode {
  InvalidYaml = 'invalid_yaml',
  InvalidTeamsFile = 'invalid_teams_file',
  TeamNotFound = 'team_not_found',
}

export interface TeamsFileIssue {
  /** As it reads in the file: `teams[0].members[2].email`; empty for the document itself. */
  path: string;
  message: string;
}

export class TeamsException extends AppException {
  static invalidYaml(parserMessage: string): TeamsException {
    return new TeamsException(HttpStatus.BAD_REQUEST, TeamsErrorCode.InvalidYaml, `The teams file is not valid YAML: ${parserMessage}`);
  }

  /** Every problem, each with its place in the file, so one round of fixes is enough. */
  static invalidFile(issues: TeamsFileIssue[]): TeamsException {
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    return new TeamsException(HttpStatus.BAD_REQUEST, TeamsErrorCode.InvalidTeamsFile, `Invalid teams file: ${summary}`, { issues });
  }

  static notFound(key: string): TeamsException {
    return new TeamsException(HttpStatus.NOT_FOUND, TeamsErrorCode.TeamNotFound, `No team ${key} in this organisation: import it with the teams file (POST /api/teams/import).`);
  }
}
