import { Module } from '@nestjs/common';
import { AgentRunsExportService } from './agent-runs-export.service';
import { ExportController } from './export.controller';

/** Admin exports (docs/export.md); each is recorded in the audit log. */
@Module({ controllers: [ExportController], providers: [AgentRunsExportService] })
export class ExportModule {}
