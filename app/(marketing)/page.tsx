export default function LandingPage() {
  return <main>EcoLink</main>;
}
