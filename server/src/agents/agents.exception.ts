import { HttpStatus } from '@nestjs/common';
import { AppException } from '../core/errors/app.exception';

export enum AgentsErrorCode {
  SessionNotFound = 'agent_session_not_found',
}

export class AgentsException extends AppException {
  static sessionNotFound(agent: string, sessionId: string): AgentsException {
    return new AgentsException(HttpStatus.NOT_FOUND, AgentsErrorCode.SessionNotFound, `No ${agent} session '${sessionId}'. List sessions with GET /api/agent-sessions.`, {
      agent,
      sessionId,
    });
  }
}
