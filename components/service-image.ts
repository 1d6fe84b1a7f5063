import * as aws from '@pulumi/aws';
import * as dockerBuild from '@pulumi/docker-build';
import * as pulumi from '@pulumi/pulumi';
import { validateImageReference } from '../constructs/common/validate.js';

/** How to build an image from this repository. */
export interface ServiceImageBuildArgs {
  /** Build context: the repository root (the Dockerfiles copy `app/`, `local/`, package files). */
  readonly context: string;
  /** The Dockerfile, e.g. `app/embedder/Dockerfile`. */
  readonly dockerfile: string;
  /** @default - the Dockerfile's last stage */
  readonly target?: string;
  /**
   * Where to push: `'ecr'` creates an ECR repository for the image (needs AWS credentials);
   * otherwise a registry address and path (`ghcr.io/acme`), pushed with the host's Docker
   * credentials.
   */
  readonly registry: string;
  /** Repository name under the registry, e.g. `meshrag-embedder`. */
  readonly repository: string;
  /**
   * Tag pushed with the image (the deploy pins the digest, never the tag).
   * @default - the Pulumi stack name
   */
  readonly tag?: string;
  /** @default ['linux/amd64'] */
  readonly platforms?: readonly dockerBuild.Platform[];
}

export interface ServiceImageArgs {
  /** Build and push. Give exactly one of `build` and `imageRef`. */
  readonly build?: ServiceImageBuildArgs;
  /**
   * A prebuilt image (`repository@sha256:<digest>`, or a tag for a dev cluster): no build.
   * Give exactly one of `build` and `imageRef`.
   */
  readonly imageRef?: string;
}

/**
 * A service's container image as the Deployments use it: built with BuildKit
 * (`@pulumi/docker-build`) and pushed, then referenced as `<repository>@<digest>`, so a
 * Deployment changes exactly when the image's content does; or a prebuilt reference given as is.
 */
export class ServiceImage extends pulumi.ComponentResource {
  /** The reference a pod spec uses: `<repository>@sha256:…` when built. */
  public readonly ref: pulumi.Output<string>;
  /** `sha256:…`, or '' for a prebuilt reference pinned by tag. */
  public readonly digest: pulumi.Output<string>;

  public constructor(
    name: string,
    args: ServiceImageArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super('meshrag:image:ServiceImage', name, args, opts);
    const parts = createServiceImage(this, name, args);
    this.ref = parts.ref;
    this.digest = parts.digest;
    this.registerOutputs({ ref: this.ref, digest: this.digest });
  }
}

/** The body of {@link ServiceImage}, callable with any parent. */
export function createServiceImage(
  parent: pulumi.Resource,
  name: string,
  args: ServiceImageArgs,
): Pick<ServiceImage, 'ref' | 'digest'> {
  if ((args.build === undefined) === (args.imageRef === undefined)) {
    throw new Error(
      `ServiceImage ${name}: give exactly one of 'build' (build and push) and 'imageRef' (a prebuilt image)`,
    );
  }
  if (args.imageRef !== undefined) {
    validateImageReference(`ServiceImage ${name} imageRef`, args.imageRef);
    const digest = /@(sha256:[a-f0-9]{64})$/.exec(args.imageRef)?.[1] ?? '';
    return { ref: pulumi.output(args.imageRef), digest: pulumi.output(digest) };
  }
  const build = args.build as ServiceImageBuildArgs;
  const tag = build.tag ?? pulumi.getStack();
  let repositoryUrl: pulumi.Output<string>;
  let registries: dockerBuild.types.input.RegistryArgs[] = [];
  if (build.registry === 'ecr') {
    const repository = new aws.ecr.Repository(
      `${name}-repository`,
      {
        name: build.repository,
        imageTagMutability: 'MUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        forceDelete: true,
      },
      { parent },
    );
    repositoryUrl = repository.repositoryUrl;
    const token = aws.ecr.getAuthorizationTokenOutput(
      { registryId: repository.registryId },
      { parent },
    );
    registries = [
      {
        address: repository.repositoryUrl.apply((url) => url.split('/')[0] ?? url),
        username: token.userName,
        password: pulumi.secret(token.password),
      },
    ];
  } else {
    repositoryUrl = pulumi.output(`${build.registry.replace(/\/+$/, '')}/${build.repository}`);
  }
  const image = new dockerBuild.Image(
    `${name}-image`,
    {
      context: { location: build.context },
      dockerfile: { location: build.dockerfile },
      ...(build.target === undefined ? {} : { target: build.target }),
      platforms: [...(build.platforms ?? [dockerBuild.Platform.Linux_amd64])],
      push: true,
      tags: [pulumi.interpolate`${repositoryUrl}:${tag}`],
      registries,
    },
    { parent },
  );
  return {
    ref: pulumi.interpolate`${repositoryUrl}@${image.digest}`,
    digest: image.digest,
  };
}
