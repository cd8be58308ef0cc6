import { HttpStatus } from '@nestjs/common';
import { AppException } from '../core/errors/app.exception';

export enum UsersErrorCode {
  NotFound = 'user_not_found',
  EmailTaken = 'email_taken',
  LastAdmin = 'last_admin',
}

export class UsersException extends AppException {
  static notFound(id: string): UsersException {
    return new UsersException(HttpStatus.NOT_FOUND, UsersErrorCode.NotFound, `No user with id ${id} in this organisation.`);
  }

  static emailTaken(email: string): UsersException {
    return new UsersException(HttpStatus.CONFLICT, UsersErrorCode.EmailTaken, `A user with the email ${email} exists already.`);
  }

  static lastAdmin(): UsersException {
    return new UsersException(HttpStatus.CONFLICT, UsersErrorCode.LastAdmin, 'This is the last active admin: make another user admin first.');
  }
}
