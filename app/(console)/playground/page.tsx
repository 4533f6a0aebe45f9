import { redirect } from "next/navigation";

/** The playground opens on chat; images and audio are its other tabs. */
export default function PlaygroundPage() {
  redirect("/playground/chat");
}
