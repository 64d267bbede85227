/**
 * The image each backend's container runs. The names are the official ones, so `docker pull` provides them on a
 * machine that reaches Docker Hub; scripts/docker/prepare.sh builds images with the same names from Debian packages
 * where no registry is reachable. Each can be overridden with an environment variable (another version, a mirror).
 */
export interface ContainerImage {
  /** The image reference the harness starts. */
  readonly image: string;
  /** The environment variable that overrides it. */
  readonly envVar: string;
}

const DEFAULTS = {
  redis: { image: 'redis:7.0', envVar: 'OAUTH_STORE_REDIS_IMAGE' },
  postgres: { image: 'postgres:15', envVar: 'OAUTH_STORE_POSTGRES_IMAGE' },
  dynamodb: { image: 'amazon/dynamodb-local:3.3.1', envVar: 'OAUTH_STORE_DYNAMODB_IMAGE' },
} as const satisfies Record<string, ContainerImage>;

/** The backends that have a container image. */
export type ImageBackend = keyof typeof DEFAULTS;

/** Every backend's default image, for docs and the prepare script's checks. */
export const CONTAINER_IMAGES: Readonly<Record<ImageBackend, ContainerImage>> = DEFAULTS;

/** The image to start for `backend`: its override variable if set, else the default. */
export function containerImage(backend: ImageBackend): string {
  const { image, envVar } = DEFAULTS[backend];
  return process.env[envVar]?.trim() || image;
}
