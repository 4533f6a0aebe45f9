import { getGeneratedImage } from "@/lib/inference/images";

export const dynamic = "force-dynamic";

// Image links from POST /v1/images/generations: the unguessable id is the credential, as with
// OpenAI's signed links, so that the URL works in an <img> tag. Gone after an hour.
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const image = await getGeneratedImage((await params).id);
  if (!image) {
    return Response.json(
      { error: { message: "This image does not exist or its link has expired.", type: "invalid_request_error", param: null, code: "not_found" } },
      { status: 404 },
    );
  }
  const maxAge = Math.max(0, Math.floor((image.expiresAt.getTime() - Date.now()) / 1000));
  return new Response(Buffer.from(image.png), {
    headers: { "content-type": "image/png", "cache-control": `private, max-age=${maxAge}, immutable`, "x-content-type-options": "nosniff" },
  });
}
