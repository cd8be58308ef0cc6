import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/access.decorator';
import { ApiDoc } from './api-doc.decorator';
import { OpenApiService } from './openapi.service';

@Controller('api/docs')
@Public()
export class OpenApiController {
  constructor(private readonly openapi: OpenApiService) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiDoc({ tag: 'docs', summary: 'Interactive API documentation (Swagger UI).', produces: 'text/html' })
  ui(): string {
    return SWAGGER_HTML;
  }

  /** Swagger UI's start-up script, served as a file: the Content-Security-Policy allows no inline script. */
  @Get('swagger-init.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @ApiDoc({ tag: 'docs', summary: 'The script that starts Swagger UI on the documentation page.', produces: 'text/javascript' })
  init(): string {
    return SWAGGER_INIT_JS;
  }

  @Get('openapi.json')
  @ApiDoc({ tag: 'docs', summary: 'The OpenAPI 3.1 document of this server.' })
  document(): Record<string, unknown> {
    return this.openapi.document();
  }
}

const SWAGGER_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Loopmeter API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/docs/swagger-init.js"></script>
</body>
</html>
`;

const SWAGGER_INIT_JS = `window.ui = SwaggerUIBundle({ url: '/api/docs/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
`;
