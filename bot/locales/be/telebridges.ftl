## Schools and telebridges: institutions, coordinators, proposals, reminders, reports.

menu-schools = 🏫 Школы і тэлемасты
cmd-school = Мая школа, школы-партнёры і тэлемасты
cmd-telebridges = Мае тэлемасты
org-btn-telebridges = 📡 Тэлемасты

school-kind-school = Школа
school-kind-kindergarten = Дзіцячы сад
school-kind-college = Каледж
school-kind-other = Іншая ўстанова
school-kinds-school = Школы
school-kinds-kindergarten = Дзіцсады
school-kinds-college = Каледжы
school-kinds-other = Іншыя
school-any-kind = Усе тыпы
school-any-age = Любы ўзрост

age-preschool = Дашкольнікі
age-primary = 1–4 класы
age-middle = 5–9 класы
age-senior = 10–11 класы
age-students = Студэнты
age-adults = Педагогі і бацькі
age-short-preschool = Дашк.
age-short-primary = 1–4
age-short-middle = 5–9
age-short-senior = 10–11
age-short-students = Студ.
age-short-adults = Даросл.

## "Школы і тэлемасты"

school-hub-none =
    <b>Школы і тэлемасты</b>

    Тут школы, дзіцячыя сады і каледжы гарадоў-пабрацімаў знаходзяць адно аднаго і дамаўляюцца пра тэлемасты.
    Зарэгіструйце сваю ўстанову — вы станеце яе каардынатарам — або далучыцеся да ўжо зарэгістраванай другім каардынатарам.
school-hub-pending = Ваша заяўка стаць каардынатарам «{ $school }» чакае пацвярджэння каардынатара гэтай установы. Як толькі ён адкажа, бот паведаміць.
school-hub-active = <b>Школы і тэлемасты</b> — вы каардынатар:
school-btn-home = 🏫 Школы і тэлемасты
school-btn-register = ➕ Зарэгістраваць установу
school-btn-join = 🤝 Далучыцца да ўстановы
school-btn-join-this = 🤝 Стаць каардынатарам гэтай установы
school-btn-withdraw = Адклікаць заяўку
school-btn-partners = 🌍 Школы-партнёры
school-btn-share = 🔗 Спасылка на ўстанову
school-btn-leave = Перастаць быць каардынатарам
school-btn-leave-ok = Так, перастаць быць каардынатарам
school-btn-verify = ✅ Пацвердзіць установу
school-btn-approve = ✅ Прыняць
school-btn-decline = ❌ Адмовіць
school-leave-ask = Перастаць быць каардынатарам «{ $school }»? Тэлемасты ўстановы застануцца, іх будуць весці іншыя каардынатары.
school-left = Гатова: вы больш не каардынатар «{ $school }».
school-share-link = Спасылка на картку «{ $school }»: { $link }
    Дашліце яе калегам — яны змогуць папрасіць стаць другім каардынатарам, — або школе-партнёру.

## The card

school-line = { $name } ({ $city })
school-line-unverified = { $name } ({ $city }, не пацверджана арганізатарамі)
school-card-head = { $kind }: <b>{ $name }</b>
school-card-city = 🏙 { $city }
school-card-address = 📍 { $address }
school-card-ages = 👧 Узрост: { $ages }
school-card-coordinators = 👥 Каардынатараў: { $count }
school-card-verified = ✅ Пацверджана арганізатарамі
school-card-unverified = ⚠️ Пакуль не пацверджана арганізатарамі
school-verified = Установа «{ $school }» пацверджана.

## Registering

school-ask-kind = Рэгістрацыя ўстановы. Крок 1 з 5: выберыце тып.
school-ask-name = Крок 2 з 5: напішыце поўную назву, напрыклад: ДУА «Гімназія № 1 г. Мінска».
school-ask-city = Крок 3 з 5: у якім горадзе ўстанова?
school-ask-address = Крок 4 з 5: напішыце адрас або раён — так школе-партнёру прасцей вас пазнаць.
school-ask-ages = Крок 5 з 5: з якімі ўзростамі вы працуеце? Адзначце ўсё патрэбнае і націсніце «Гатова».
school-btn-skip-address = Без адраса
school-btn-ages-done = Гатова
school-btn-save = ✅ Зарэгістраваць
school-no-address = не ўказаны
school-preview =
    <b>Праверце даныя</b>

    Тып: { $kind }
    Назва: { $name }
    Горад: { $city }
    Адрас: { $address }
    Узрост: { $ages }

    Пасля рэгістрацыі вы станеце каардынатарам установы. Арганізатары правераць яе і адзначаць як пацверджаную.
school-registered = Гатова: «{ $name }» зарэгістравана, вы — яе каардынатар.
school-form-cancelled = Добра, нічога не захавана.

## Joining

school-join-list = Установы вашага горада: { $count }. Адкрыйце сваю і націсніце «Стаць каардынатарам гэтай установы».
school-join-empty = У вашым горадзе пакуль не зарэгістравана ніводнай установы. Зарэгіструйце сваю першай.
school-join-sent = Заяўка адпраўлена каардынатарам «{ $school }». Бот паведаміць, калі яны адкажуць.
school-join-approved = Калега стаў каардынатарам.
school-join-declined = Заяўка адхілена.
school-notice-join =
    🤝 <b>{ $name }</b> просіць стаць каардынатарам «{ $school }» разам з вамі.
    Калі гэта ваш калега, націсніце «Прыняць».
school-notice-approved = ✅ Вы сталі каардынатарам «{ $school }». Адкрыйце «Школы і тэлемасты», каб прапанаваць тэлемост.
school-notice-declined = Каардынатар «{ $school }» не пацвердзіў вашу заяўку. Калі гэта памылка, звяжыцеся з калегамі напрамую.

## Partner schools

school-partners = <b>Школы-партнёры</b> ў гарадах-пабрацімах: { $count }. Спачатку тыя, з кім у вас ужо былі тэлемасты; ⚠️ — яшчэ не пацверджаны арганізатарамі.
school-partners-empty = Па гэтых умовах устаноў пакуль няма. Паспрабуйце іншы тып або ўзрост — або прапануйце адкрыты тэлемост любой школе горада-партнёра.

school-error-teachers-only = Рэгістраваць установы і весці тэлемасты могуць педагогі. Калі вы педагог, выберыце сферу «Педагог» у профілі: /profile
school-error-already = Вы ўжо каардынатар установы або чакаеце пацвярджэння заяўкі. Адначасова можна весці адну ўстанову.
school-error-none = Спачатку зарэгіструйце сваю ўстанову або далучыцеся да яе: /school
school-error-pending = Ваша заяўка стаць каардынатарам яшчэ не пацверджана.
school-error-not-yours = Заяўкі ў гэту ўстанову пацвярджаюць толькі яе каардынатары.
school-error-not-found = Установа не знойдзена.
school-error-age-groups = Адзначце хаця б адзін узрост.
school-error-verified-already = Гэта ўстанова ўжо пацверджана.
school-error-join-decided = Па гэтай заяўцы ўжо прынята рашэнне.
school-error-join-gone = Заяўкі больш няма: яе адклікалі.

## New telebridge

tb-btn-new = 📡 Новы тэлемост
tb-btn-my = 📋 Мае тэлемасты
tb-btn-offers = 📣 Адкрытыя прапановы ({ $count })
tb-btn-propose = 📡 Прапанаваць тэлемост
tb-btn-propose-short = 📡 Прапанаваць
tb-btn-any-school = 🌍 Любая школа: { $city }
tb-btn-send = ✅ Адправіць прапанову
tb-btn-skip-link = Спасылку дадам пазней
tb-btn-keep-link = Пакінуць ранейшую спасылку
tb-btn-skip-note = Без каментарыя
tb-btn-keep-note = Пакінуць ранейшы каментарый
tb-minutes = { $n } хв

tb-ask-partner = <b>Новы тэлемост.</b> З кім? Выберыце ўстанову горада-партнёра або зрабіце адкрытую прапанову — яе зможа прыняць любая школа таго горада.
tb-ask-topic = Тэма тэлемоста? Напрыклад: «Мой горад — горад-пабрацім» або «Навагоднія традыцыі».
tb-ask-age = Для якога ўзросту?
tb-ask-starts = Калі пачатак? Напішыце дату і час <b>па часе горада { $city }</b>, напрыклад: 15.03.2027 10:00.
    Прапанаваць можна не пазней чым за гадзіну да пачатку.
tb-chosen-start = Пачатак:
tb-ask-duration = Колькі хвілін ён будзе доўжыцца? Выберыце або напішыце лік ад 15 да 180.
tb-ask-link = Спасылка на відэасувязь (Яндекс Тэлемост, Сферум, Zoom і г. д.), пачынаецца з https://
    Можна дадаць пазней, але да пацвярджэння яна патрэбна.
tb-ask-note = Каментарый для школы-партнёра (неабавязкова): што падрыхтаваць, колькі будзе дзяцей.
tb-preview-new = <b>Праверце прапанову</b>
tb-preview-counter = <b>Праверце вашу сустрэчную прапанову</b>
tb-preview-reschedule = <b>Праверце новы час</b>. Да адказу другога боку тэлемост застаецца ў ранейшы час.
tb-preview-open-note = Прапанову ўбачаць усе каардынатары горада-партнёра; першы, хто прыме, стане вашым партнёрам.
tb-form-cancelled = Добра, нічога не адпраўлена.
tb-sent-new = Прапанова «{ $topic }» адпраўлена. Бот паведаміць, калі школа-партнёр адкажа.
tb-sent-open = Адкрытая прапанова «{ $topic }» адпраўлена ўсім каардынатарам горада-партнёра.
tb-sent-counter = Сустрэчная прапанова па тэлемосце «{ $topic }» адпраўлена.
tb-sent-offer-counter = Сустрэчная прапанова па тэлемосце «{ $topic }» адпраўлена школе, якая яго прапанавала. Пакуль яна не адказала, прапанова застаецца адкрытай і для іншых школ; калі раней дамовіцца іншая школа, бот паведаміць.
tb-sent-reschedule = Новы час для тэлемоста «{ $topic }» прапанаваны. Да адказу тэлемост застаецца ў ранейшы час.

## The card

tb-card-head = 📡 <b>Тэлемост «{ $topic }»</b>
tb-card-proposer = 🏫 Прапануе: { $school }
tb-card-partner = 🤝 Партнёр: { $school }
tb-card-open = 🤝 Адкрытая прапанова: любая школа, горад { $city }
tb-card-age = 👧 Узрост: { $age }
tb-card-when = 🕒 { $when } (час: { $city })
tb-card-duration = ⏱ { $minutes } хв
tb-card-link = 🔗 { $url }
tb-card-no-link = 🔗 Спасылка на відэасувязь пакуль не дададзена
tb-card-note = 📝 { $note }
tb-card-status = Статус: { $status }
tb-card-reason = Прычына: { $reason }
tb-card-new-time = <b>Прапанаваны новы час:</b>
tb-card-round = Раўнд узгаднення: { $round }

tb-status-proposed = чакае адказу
tb-status-confirmed = пацверджаны
tb-status-rescheduled = пацверджаны, узгадняецца перанос
tb-status-declined = адхілены
tb-status-cancelled = адменены
tb-status-held = адбыўся
tb-status-not_held = не адбыўся
tb-status-expired = не ўзгоднены своечасова
tb-status-taken = адкрытую прапанову прыняла іншая школа
tb-status-ended = прайшоў, чакаем справаздачы
tb-mark-proposed = ⏳
tb-mark-confirmed = ✅
tb-mark-rescheduled = 🔁
tb-mark-declined = ❌
tb-mark-cancelled = ❌
tb-mark-held = 🏁
tb-mark-not_held = ➖
tb-mark-expired = ⌛
tb-mark-taken = ❌
tb-mark-ended = 📝

tb-btn-accept = ✅ Прыняць
tb-btn-counter = 🕒 Прапанаваць іншы час
tb-btn-decline = ❌ Адхіліць
tb-btn-reschedule = 🕒 Перанесці
tb-btn-withdraw = ↩️ Адклікаць перанос
tb-btn-link = 🔗 Спасылка на відэасувязь
tb-btn-ics = 📅 У каляндар
tb-btn-cancel = ❌ Адмяніць тэлемост
tb-btn-held = ✅ Так
tb-btn-not-held = Не / перанесены
tb-btn-upcoming = 📋 Будучыя
tb-btn-past = 🗂 Мінулыя
tb-btn-no-reason = Без прычыны
tb-btn-no-report = Без справаздачы
tb-btn-no-photo = Без фота
tb-btn-propose-again = 📡 Прапанаваць новы час
tb-any-school = любая школа

## Lists

tb-my-upcoming = <b>Мае тэлемасты</b>: будучых і тых, што ўзгадняюцца, — { $count }.
tb-my-upcoming-empty = Будучых тэлемастоў пакуль няма. Знайдзіце партнёра ў «Школы-партнёры» або прапануйце адкрыты тэлемост.
tb-my-past = <b>Мінулыя і закрытыя тэлемасты</b>: { $count }.
tb-my-past-empty = Мінулых тэлемастоў пакуль няма.
tb-offers = <b>Адкрытыя прапановы</b> школ горада-партнёра: { $count }. Адкрыйце, каб прыняць або прапанаваць іншы час.
tb-offers-empty = Адкрытых прапаноў зараз няма.

## Answers

tb-ask-link-to-accept = Каб пацвердзіць тэлемост, патрэбна спасылка на відэасувязь. Дашліце яе адным паведамленнем (пачынаецца з https://).
tb-ask-decline-reason = Напішыце прычыну — яе ўбачыць школа-партнёр — або націсніце «Без прычыны».
tb-ask-cancel-reason = Адмяніць тэлемост? Напішыце прычыну — яе ўбачыць другі бок — або націсніце «Без прычыны».
tb-ask-new-link = Дашліце новую спасылку на відэасувязь (пачынаецца з https://). Другі бок яе атрымае.
tb-answer-cancelled = Добра, нічога не змянілася.
tb-accepted = Тэлемост пацверджаны
tb-confirmed = ✅ <b>Тэлемост пацверджаны.</b> Бот нагадае абодвум бакам загадзя. Файл для календара — ніжэй.
tb-declined = Вы адхілілі прапанову тэлемоста «{ $topic }». Школа-партнёр атрымала адказ.
tb-reschedule-declined = Перанос тэлемоста «{ $topic }» адхілены: тэлемост застаецца ў ранейшы час.
tb-reschedule-withdrawn = Просьба пра перанос адклікана: тэлемост застаецца ў ранейшы час
tb-cancelled = Тэлемост «{ $topic }» адменены. Другі бок атрымаў паведамленне.
tb-link-saved = Спасылка для тэлемоста «{ $topic }» захавана, другі бок яе атрымаў.

## Notices

tb-notice-proposal = 📡 <b>Вам прапануюць тэлемост</b> — { $school }.
tb-notice-open = 📣 <b>Адкрытая прапанова тэлемоста</b> для школ вашага горада — { $school }. Першы, хто прыме, стане партнёрам.
tb-notice-counter = 🕒 <b>Сустрэчная прапанова</b> — { $school }. Прыняць можна толькі яе, ранейшыя варыянты больш не дзейнічаюць.
tb-notice-offer-counter = 🕒 <b>Сустрэчная прапанова</b> на вашу адкрытую прапанову — { $school }. Калі прымеце яе, прапанова закрыецца для іншых школ; калі адхіліце, яна застанецца адкрытай.
tb-notice-reschedule = 🕒 <b>Просьба перанесці тэлемост</b> — { $school }. Пакуль вы не адказалі, ён застаецца ў ранейшы час.
tb-notice-confirmed = ✅ <b>Тэлемост пацверджаны.</b> Бот нагадае загадзя. Файл для календара — наступным паведамленнем.
tb-notice-declined = ❌ Прапанова тэлемоста «{ $topic }» адхілена — { $school }.
tb-notice-counter-taken = Адкрытую прапанову тэлемоста «{ $topic }» прыняла іншая школа — { $school }. Ваша сустрэчная прапанова закрыта.
tb-notice-counter-withdrawn = Адкрытая прапанова тэлемоста «{ $topic }» адклікана — { $school }. Ваша сустрэчная прапанова закрыта.
tb-notice-reschedule-declined = Перанос тэлемоста «{ $topic }» не прыняты — { $school }. Тэлемост застаецца ў ранейшы час.
tb-notice-reschedule-withdrawn = Просьба перанесці тэлемост «{ $topic }» адклікана — { $school }. Тэлемост застаецца ў ранейшы час.
tb-notice-cancelled = ❌ Тэлемост «{ $topic }» адменены — { $school }.
tb-notice-link = 🔗 Новая спасылка на відэасувязь для тэлемоста «{ $topic }» — { $school }.
tb-ics-caption = Тэлемост «{ $topic }» для вашага календара. Калі час зменіцца, адкрыйце новы файл — запіс абновіцца.
tb-ics-caption-cancelled = Тэлемост «{ $topic }» адменены. Адкрыйце файл — каляндар прыбярэ яго або адзначыць адмененым.
tb-ics-summary = Тэлемост: { $topic }
tb-ics-description = { $proposer } — { $partner }. Спасылка: { $link }

## Reminders and after it

reminder-telebridge = ⏰ Напамін: тэлемост «<b>{ $title }</b>» — { $when }.
    🤝 Партнёр: { $other }
    🕒 { $time } (час: { $city })
    🔗 { $link }
tb-ask-held = 📡 Ці адбыўся тэлемост «{ $title }»? Партнёр: { $other }.
tb-ask-report = Дзякуй! Напішыце адным радком, як прайшоў тэлемост: колькі было ўдзельнікаў, што атрымалася. Або націсніце «Без справаздачы».
tb-ask-report-photo = Дашліце фота з тэлемоста, калі хочаце, або націсніце «Без фота».
tb-report-thanks = Дзякуй, справаздача захавана. Тэлемасты, што адбыліся, улічваюцца ў дарожнай карце супрацоўніцтва.
tb-not-held-noted = Адзначылі: тэлемост не адбыўся. Калі яго перанеслі, прапануйце новы час.
tb-error-photo-expected = Дашліце, калі ласка, фота або націсніце «Без фота».

## Errors

tb-error-not-found = Тэлемост не знойдзены.
tb-error-not-yours = Гэта тэлемост іншай установы: дзейнічаць па ім могуць толькі яе каардынатары.
tb-error-not-your-turn = Зараз ход другога боку: дачакайцеся яго адказу.
tb-error-stale-round = Гэта прапанова састарэла: дзейнічае навейшая (раўнд { $round }). Адкрыйце картку тэлемоста.
tb-error-taken = Гэту адкрытую прапанову ўжо прыняла іншая школа.
tb-error-countered = Ваша школа ўжо прапанавала іншы час па гэтай прапанове. Дачакайцеся адказу: ён прыйдзе сюды, а прапанова бачная ў «Мае тэлемасты».
tb-error-open-decline = Адкрытую прапанову нельга адхіліць за ўсіх: проста не адказвайце на яе.
tb-error-same-city = Тэлемост праводзіцца са школай іншага горада.
tb-error-past = Гэты час ужо прайшоў. Укажыце дату і час у будучыні.
tb-error-too-soon = Занадта хутка: другому боку патрэбна хаця б гадзіна, каб адказаць. Выберыце пазнейшы час.
tb-error-too-far = Тэлемост можна прапанаваць не далей чым на год наперад.
tb-error-time-needed = Укажыце і дату, і час пачатку, напрыклад: 15.03.2027 10:00.
tb-error-duration = Працягласць — ад { $low } да { $high } хвілін.
tb-error-url = Гэта не падобна на спасылку: патрэбна спасылка, што пачынаецца з http:// або https://, без прабелаў.
tb-error-url-required = Каб пацвердзіць тэлемост, патрэбна спасылка на відэасувязь.
tb-error-past-accept = Час гэтай прапановы ўжо прайшоў: прапануйце іншы час.
tb-error-overlap = У гэты час у адной са школ ужо ёсць пацверджаны тэлемост: «{ $topic }». Выберыце іншы час.
tb-error-withdraw-other = Новы час прапанаваў другі бок: прыміце яго, прапануйце іншы або адхіліце.
tb-error-reschedule-pending = Перанос ужо прапанаваны і чакае адказу другога боку.
tb-error-started = Тэлемост ужо пачаўся: перанесці яго нельга.
tb-error-over = Тэлемост ужо прайшоў.
tb-error-not-over = Адзначыць, ці адбыўся тэлемост, можна пасля яго заканчэння.
tb-error-reported = Ваша школа ўжо адказала, ці адбыўся гэты тэлемост.
tb-error-state-proposed = Тэлемост яшчэ не пацверджаны.
tb-error-state-confirmed = Тэлемост ужо пацверджаны.
tb-error-state-rescheduled = Па гэтым тэлемосце ўжо ўзгадняецца перанос.
tb-error-state-declined = Гэта прапанова ўжо адхілена.
tb-error-state-cancelled = Гэты тэлемост адменены.
tb-error-state-held = Гэты тэлемост ужо адбыўся.
tb-error-state-not_held = Гэты тэлемост ужо адзначаны як такі, што не адбыўся.

## Organisers

tb-btn-org = 📊 Тэлемасты горада
tb-btn-org-unverified = ⚠️ Установы без пацвярджэння ({ $count })
tb-org-head = <b>Тэлемасты: { $city }</b> — па месяцах (адбыліся / пацверджаны / узгадняюцца / іншыя):
tb-org-month = { $month }: 🏁 { $held } · ✅ { $confirmed } · ⏳ { $proposed } · { $other }
tb-org-none = Тэлемастоў пакуль няма.
tb-org-unverified = Установы, якія чакаюць пацвярджэння: { $count }. Адкрыйце картку і націсніце «Пацвердзіць установу».
tb-org-unverified-none = Усе ўстановы пацверджаны.

## Broadcast segment

bc-kind-coord = Каардынатарам школ
bc-ask-inst-city = Каардынатарам устаноў якога горада?
bc-ask-inst-kind = Якіх устаноў?
bc-all-cities = Усіх гарадоў
bc-all-kinds = Усіх тыпаў
bc-segment-coordinators = каардынатары школ

## Personal data (/mydata, /forget)

mydata-section-schools = <b>Школы і тэлемасты</b>
mydata-section-schools-short = Школы і тэлемасты
mydata-coordinator = • { $school } ({ $city }) — { $status }, з { $since }
mydata-coordinator-active = каардынатар
mydata-coordinator-pending = заяўка стаць каардынатарам
mydata-coordinator-declined = заяўка адхілена
mydata-telebridges = • прапаноў тэлемастоў ад вас: { $proposals }, адказаў «Ці адбыўся тэлемост?»: { $reports }
forget-erased-coordinator = • ролі каардынатара ўстаноў і заяўкі на іх: { $count }
forget-kept-telebridges = • тэлемасты, прапановы і справаздачы школ: { $count }. Яны застаюцца ў школ без вашага імя і Telegram id: гэта агульныя дамоўленасці дзвюх устаноў, і тэлемасты, што адбыліся, улічваюцца ў дарожнай карце.

## Audit

audit-action-verify = пацвярджэнне
audit-object-institution = установа

## Reports on the card

tb-card-report = 📝 { $school }: { $report }
tb-card-report-held = 📝 { $school }: адбыўся
tb-card-report-not-held = 📝 { $school }: не адбыўся або перанесены
tb-btn-back-card = ← Да тэлемоста
tb-btn-photos = 📷 Фота з тэлемоста ({ $count })
tb-photo-caption = 📷 Тэлемост «{ $topic }» — { $school }
school-notice-join-orphan =
    🤝 <b>{ $name }</b> просіць стаць каардынатарам «{ $school }». У гэтай установы зараз няма каардынатара, таму рашэнне за арганізатарамі.
